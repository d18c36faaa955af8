// Tests for HaechiUI live in this folder.
