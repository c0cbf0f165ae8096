"""Data shipped with transcript_lens (installed as ``transcript_lens.models``).

``codebook.yaml``: the five values of co-production and the six positions of the spectrum of
engagement, with definitions, example statements and key phrases. ``asr_corrections.yaml``:
domain words speech recognition gets wrong, fixed before embedding. ``tagger_calibration.json``:
the thresholds and weights fitted by ``python -m transcript_lens.tagging.calibrate``.
``speaker_change.json``: the speaker-change and role weights of speaker inference, fitted by
``python -m transcript_lens.train_speakers --write``.
"""
