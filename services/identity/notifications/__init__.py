"""Following and notifications, in the identity service (it alone holds e-mail addresses).

The worker (`services/identity/worker.py`) reads `status`, `ideas.submissions` and `votes`:
`handlers.NotifyProjection` keeps who follows what (authors and voters by default, `follow.changed`
for the rest), each person's e-mail choice, and an inbox row per (event, recipient). The sender
(`sender.py`) mails what is due, over SMTP (`mail.py`): at once, or as a daily or weekly digest.
How a notification is kept from being sent twice is told in `sender.py`.
"""
