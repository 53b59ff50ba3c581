"""The line-mode front end: questions and answers on a plain terminal."""
