"""The identity service: participants' profiles, the right of access, and erasure.

It has no worker, on purpose. Its one table of people, the participant registry, is not a read
model of any topic: profiles come from sign-in claims and from the people themselves
(`PUT /me/profile`), and personal data never travels in events, so there is nothing for it to
consume. Erasure is a request at the edge: the key is shredded and the profile deleted in one
transaction that also records the erasure, then `participant.erased` is published on `status`
for the other services' workers, which overwrite their plaintext copies. A replay of the topics
rebuilds their read models; the registry and the erasure log are kept, not rebuilt.
"""
