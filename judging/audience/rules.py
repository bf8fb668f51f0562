"""When the audience vote counts, when a code is good, when the tally may be seen: one place each."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import datetime, timedelta

from judging.audience.models import AudienceAward, AudienceVoter
from judging.core import clock
from judging.editions.models import Edition

#: a one-time code is good for ten minutes and five tries
CODE_LIFETIME = timedelta(minutes=10)
CODE_ATTEMPTS = 5
CODE_DIGITS = 6


def vote_is_open(award: AudienceAward, at: datetime) -> bool:
    """The server's window: opened, not closed, and ``at`` inside [opens_at, closes_at)."""
    if award.state != "open" or award.opens_at is None or at < award.opens_at:
        return False
    return award.closes_at is None or at < award.closes_at


def vote_has_closed(award: AudienceAward, at: datetime) -> bool:
    """Closed by an organizer, or its planned closing time has passed."""
    if award.state == "closed":
        return True
    return award.state == "open" and award.closes_at is not None and at >= award.closes_at


def may_change_finalists(award: AudienceAward) -> bool:
    return award.state == "setup"


def tally_is_public(award: AudienceAward, edition: Edition, at: datetime) -> bool:
    """After the vote has closed and the ceremony revealed the winners (``winners_public_at``)."""
    return vote_has_closed(award, at) and clock.is_public(edition.winners_public_at, at)


def code_hash(secret_key: str, voter_id: int, code: str) -> str:
    """A keyed hash of a voter's one-time code (six digits are too few for a plain hash)."""
    message = f"audience-code:{voter_id}:{code}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def code_matches(secret_key: str, voter: AudienceVoter, code: str) -> bool:
    expected = voter.code_hash or ""
    return bool(expected) and hmac.compare_digest(expected, code_hash(secret_key, voter.id, code))


def code_expired(voter: AudienceVoter, at: datetime) -> bool:
    return voter.code_expires_at is None or at >= voter.code_expires_at


def secret_hash(secret: str) -> str:
    """sha256 of a long random secret (a personal link's token, a phone's device secret)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def network_of(address: str | None) -> str | None:
    """The network a client address belongs to: IPv4 /24, IPv6 /48 (the place, not the person)."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
