# Spreadsheet import/export routes (filled in by the import/export work).
urlpatterns = []
