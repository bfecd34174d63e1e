"""Nothing here is registered on purpose.

Check-ins, reactions and weekly reviews are the most private things people write here. Staff
moderate accounts and the public prompt library; they have no reason to read these, so the
admin offers no way to.
"""
