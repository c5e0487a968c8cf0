"""simcalc's own dependency parser (biaffine BiLSTM), trained on UD Chinese GSD v1.4.

``parser.EmbeddedParser`` loads the shipped weights (data/parser) and runs them in numpy (``numpy_net``);
``train`` retrains them (``python -m simcalc.rules.parse.embedded.train``). Only ``model``, ``train`` and
``train_segmenter`` (training) need torch.
"""
