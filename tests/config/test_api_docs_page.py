import re

import pytest


@pytest.mark.django_db
def test_api_docs_page_loads_only_local_assets_and_no_inline_script(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, "the docs page references its assets"
    assert all(url.startswith("/") for url in urls), urls  # no CDN: there is no internet
    assert "<script>" not in html  # the CSP allows no inline script
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert b"/api/schema/" in script.content
