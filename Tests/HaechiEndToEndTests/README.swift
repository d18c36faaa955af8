// Tests for HaechiEndToEnd live in this folder.
