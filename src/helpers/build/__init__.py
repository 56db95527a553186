"""The build command and its parts: fingerprint, read tracking, execution cache, runner, pipeline, preview."""
