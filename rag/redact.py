"""Remove secrets from text before it is logged. Pure.

Detail about a failed LLM call (the server's error body, the URL) goes to the
server log, never to people; even there it must not carry the API key, the
``user:pass@`` of a URL or an ``Authorization`` value, since a proxy or a
misconfigured server may echo the request headers back in its error body.
"""

from __future__ import annotations

import re
from typing import Iterable

MASK = "[redacted]"
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@\"']+@")
# The value after an Authorization header name, up to the end of the quoted string or line.
_AUTH_HEADER = re.compile(r"""(?i)(authorization["']?\s*[:=]\s*["']?)(?:(bearer|basic|token)\s+)?[^\s"',}]+""")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with ``secrets``, URL credentials and Authorization/Bearer values masked."""
    for s in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(s, MASK)
    text = _URL_USERINFO.sub(lambda m: f"{m.group(1)}{MASK}@", text)
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)}{m.group(2) + ' ' if m.group(2) else ''}{MASK}", text)
    return _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
