"""Who may see what: the optional bearer token of the public reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.infra.auth import AuthError, Principal
from services.infra.http import Context

_bearer = HTTPBearer(auto_error=False)


async def optional_principal(
    ctx: Context,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The caller when a token is sent (an invalid one is a 401), otherwise None."""
    if creds is None:
        return None
    try:
        return ctx.verifier.verify(creds.credentials)
    except AuthError as exc:
        raise HTTPException(401, detail={"code": "unauthenticated", "message": str(exc)},
                            headers={"WWW-Authenticate": "Bearer"}) from exc


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
