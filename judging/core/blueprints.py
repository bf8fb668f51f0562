"""The five URL spaces, one per audience; each feature's ``views`` modules add their routes to them.

Features own their pages, but people find pages by who they are: ``/organizer/…``, ``/jury/…``,
``/candidate/…``, ``/auth/…`` and the public pages. Keeping one blueprint per audience keeps every URL
and endpoint name (``organizer.prize_edit``) stable while the code lives with its feature, and gives
one place for what a whole audience shares (the organizer guard, for instance).
"""

from __future__ import annotations

from flask import Blueprint

public = Blueprint("public", __name__)
auth = Blueprint("auth", __name__)
candidate = Blueprint("candidate", __name__)
jury = Blueprint("jury", __name__)
organizer = Blueprint("organizer", __name__)
