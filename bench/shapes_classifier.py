"""The shapes data's factor classifier as the metrics train it (its cached settings): the accuracy of
each categorical factor and the mean absolute error of position and scale on 2,000 held-out shapes,
and the time it takes.

    python bench/shapes_classifier.py
"""

import json
import time

from gan_lightning.metrics.shapes_classifier import ShapesClassifierBackbone, train_shapes_classifier

if __name__ == "__main__":
    start = time.perf_counter()
    _, record = train_shapes_classifier(**{k: v for k, v in ShapesClassifierBackbone.SETTINGS.items() if k != "version"})
    print(json.dumps({**record, "seconds": round(time.perf_counter() - start, 1), "settings": ShapesClassifierBackbone.SETTINGS}))
