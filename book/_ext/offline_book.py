"""A Sphinx extension that keeps the book self-contained: it drops the Thebe scripts (the book
never runs code in the browser; Thebe's loader points at an online bundle and Jupyter Book 1
adds its configuration twice, a console error on every page)."""


def _drop_thebe(app, pagename, templatename, context, doctree):
    kept = []
    for script in context.get("script_files", []):
        body = getattr(script, "attributes", {}).get("body", "") or ""
        name = str(getattr(script, "filename", script) or "")
        if "THEBE_JS_URL" in body or "thebe" in name:
            continue
        kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
