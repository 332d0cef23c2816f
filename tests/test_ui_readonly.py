"""A read-only deployment (e.g. a widget on a shared intranet page) cannot change the index."""

import httpx

from tests.ui_servers import running_app


def _component(config: dict, elem_id: str) -> dict:
    return next(c for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id)


def _parent_visible(config: dict, comp_id: int) -> bool:
    """Whether every layout block above the component is visible."""
    by_id = {c["id"]: c for c in config["components"]}

    def walk(node, path):
        if node["id"] == comp_id:
            return path
        for child in node.get("children", []):
            found = walk(child, path + [node["id"]])
            if found is not None:
                return found
        return None

    path = walk(config["layout"], [])
    return all(by_id.get(i, {}).get("props", {}).get("visible", True) is not False for i in path or [])


def test_read_only_hides_upload_and_delete_but_keeps_the_document_list(sample_engine):
    with running_app(sample_engine, read_only=True) as srv:
        config = httpx.get(f"{srv.url}/config", timeout=30).json()
        assert not _parent_visible(config, _component(config, "add-docs")["id"])
        assert _parent_visible(config, _component(config, "doc-table")["id"])
    with running_app(sample_engine) as srv:
        config = httpx.get(f"{srv.url}/config", timeout=30).json()
        assert _parent_visible(config, _component(config, "add-docs")["id"])
