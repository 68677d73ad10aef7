"""What several apps need and no app owns: spreadsheet-safe exports, the academic calendar, page-tree
lookups. Imports no app of the project."""
