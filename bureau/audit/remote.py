"""Reading a bureau's API from outside it: what a witness or a subject's own check runs on.

Why the standard library: these commands talk to one URL with one bearer token and read JSON;
the check must not depend on anything the bureau's own process holds.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class RemoteError(RuntimeError):
    """The bureau could not be asked, or refused: the message says which and why."""


def get_json(base_url: str, path: str, token: str, params: dict[str, Any] | None = None,
             timeout: float = 30) -> dict[str, Any]:  # fmt: skip
    """GET `base_url` + `path` with `Authorization: Bearer token`; the JSON body, or
    RemoteError naming the status and the problem's title."""
    query = {k: v for k, v in (params or {}).items() if v is not None}
    url = base_url.rstrip("/") + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        detail = ""
        try:
            problem = json.loads(exc.read())
            detail = f": {problem.get('detail') or problem.get('title')}"
        except (ValueError, AttributeError):
            pass
        raise RemoteError(f"{url} answered {exc.code}{detail}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise RemoteError(f"{url} could not be reached: {exc}") from None
    except ValueError:
        raise RemoteError(f"{url} did not answer JSON") from None
    if not isinstance(body, dict):
        raise RemoteError(f"{url} did not answer a JSON object")
    return body
