"""Documents built from stored data: PDFs (receipts, ceremony sheets, certificates) and spreadsheets.

``pdf.render_pdf(html)`` turns an HTML string into PDF bytes (WeasyPrint, imported lazily);
each document has its own module and its template under ``templates/documents/``.
"""
