"""The identity service: participants' profiles, the right of access, erasure, and following
and notifications.

Its one table of people, the participant registry, is not a read model of any topic: profiles
come from sign-in claims and from the people themselves (`PUT /me/profile`), and personal data
never travels in events. Erasure is a request at the edge: the key is shredded and the profile
deleted in one transaction that also records the erasure, then `participant.erased` is published
on `status` for the other services' workers, which overwrite their plaintext copies.

Its worker (`worker.py`) keeps the notifications (`notifications/`): who follows what, each
person's inbox and e-mail choice, from `status`, `ideas.submissions` and `votes`; it mails what
is due, here because only this service knows e-mail addresses. A replay of the topics rebuilds
the follows and inboxes; the registry, the erasure log, the read marks and the record of the
e-mails sent are kept, not rebuilt.
"""
