"""Recordings in, transcripts out: audio checks and storage, offline Whisper, Amazon Transcribe."""
