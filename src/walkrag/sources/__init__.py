"""Finding the files of a folder and turning each into plain text that keeps its structure."""
