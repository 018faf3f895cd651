"""zhen: Chinese government and police press releases into English."""

__version__ = "0.1.0"
