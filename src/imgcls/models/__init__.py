"""Networks of the book: small CNNs trained from scratch, pretrained backbones with new heads."""
