"""simcalc's own dependency parser (biaffine BiLSTM), trained on UD Chinese GSD v1.4.

``parser.EmbeddedParser`` loads the shipped weights (data/parser); ``train`` retrains them
(``python -m simcalc.rules.parse.embedded.train``). Only ``parser`` is light to import; ``model`` and
``train`` need torch.
"""
