"""The Solara dashboard of Asocia (app.py) and the modules it is built from."""
