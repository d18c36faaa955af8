// Tests for HaechiSender live in this folder.
