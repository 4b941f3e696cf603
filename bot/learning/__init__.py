"""The learning loop: logged questions reviewed, written as training data,
trained into a candidate model, compared and promoted."""
