"""The site icon."""
from django.urls import reverse


def test_the_favicon_is_served(client):
    """Every page used to answer 404 for the icon browsers ask for."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200 and b"<svg" in b"".join(icon.streaming_content)
    page = client.get(reverse("login")).content.decode()
    assert 'rel="icon"' in page
