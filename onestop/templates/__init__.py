"""Result templates (Decree 30/2020 layouts) filled from a dossier and rendered to PDF."""
