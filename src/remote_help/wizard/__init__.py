"""The journey from 'my computer is broken' to a shared session, independent of the screen."""
