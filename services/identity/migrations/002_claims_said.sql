-- What each sign-in claim said when it was last stored ({"display_name": ..., "email": ...,
-- "organisation": ..., "sector": ...}; an absent claim is not a key). A claim changes its field
-- only when it is present and says something else than it said then, so a sign-in without a
-- claim, or with the same one, never undoes the person's own edit (services/identity/domain.py).
-- NULL for profiles stored before: `claims_hash` then tells whether a sign-in's claims are those.
ALTER TABLE identity.participants ADD COLUMN claims jsonb;
