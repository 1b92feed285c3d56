"""JSON body assembly without FastAPI's encoder.

Pages carry up to 10 000 objects; ``jsonable_encoder`` would walk every value in Python. Bodies are
built here as bytes: ``json.dumps`` for ordinary results, and pages assembled from objects that
were encoded individually (base keywords come pre-encoded from the generator's fast path).
"""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> str:
    """Compact UTF-8 JSON, as the API sends it (Cyrillic is not \\u-escaped)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def result_body(result: dict[str, Any]) -> bytes:
    return dumps({"result": result}).encode()


def list_body(list_key: str, fragments: list[str], limited_by: int | None) -> bytes:
    """``{"result": {list_key: [...], "LimitedBy": n}}`` from already-encoded objects."""
    tail = f',"LimitedBy":{limited_by}}}}}' if limited_by is not None else "}}"
    return f'{{"result":{{{dumps(list_key)}:[{",".join(fragments)}]{tail}'.encode()
