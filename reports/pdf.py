"""HTML → PDF with WeasyPrint and the Noto CJK font (installed by scripts/setup).

The page style is reports/pdf.css, given to WeasyPrint directly (templates carry no <style>: the CSP test)."""
from pathlib import Path

from django.template.loader import render_to_string

PDF_CSS = Path(__file__).with_name("pdf.css")


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import CSS, HTML  # heavy import, only where a PDF is made

    html = render_to_string(template, context)
    return HTML(string=html, base_url="/").write_pdf(stylesheets=[CSS(filename=str(PDF_CSS))])
