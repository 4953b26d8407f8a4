"""model.summary() (neurona/models/summary.py)."""

import neurona as nr
from neurona import layers


def test_summary_table_columns_fit_long_names():
    model = nr.Sequential([layers.Dense(4, input_shape=(3,), name="a_rather_long_dense_layer_name"),
                           layers.BatchNormalization(), layers.Dense(2)])
    text = model.summary(print_fn=lambda s: None)
    rows = [ln for ln in text.splitlines() if "(" in ln and "Layer (type)" not in ln
            and "params" not in ln]
    starts = {ln.index("(None,") for ln in rows}
    assert len(starts) == 1  # the shape column lines up
    assert "Total params: 42" in text and "Non-trainable params: 8" in text


def test_summary_of_unbuilt_model_and_html():
    model = nr.Sequential([layers.Dense(2)])
    assert "not built yet" in model.summary(print_fn=lambda s: None)
    model.build((None, 3))
    html = model._repr_html_()
    assert "<table>" in html and "Param #" in html
