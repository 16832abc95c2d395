"""Case data over the REST API (/api/v1/): children, referrals and their triage, cases,
assessments, notes, actions, reviews and the risk tools.

Viewsets only parse input and call cases.services; every read goes through the models'
``visible_to(user)`` and single records through ``cases.access.get_for_user``, so a record
out of scope is the same 404 as one that does not exist. Domain errors become responses in
panel.api_errors.
"""
