"""Support: multi-channel cases with SLAs, order tracking and satisfaction."""
