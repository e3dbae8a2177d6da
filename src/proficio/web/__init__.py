"""The web shell: layout, navigation, role home pages and the pages about people."""
