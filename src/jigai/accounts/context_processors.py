from jigai.core.roles import Cap


def capabilities(request):
    user = getattr(request, "user", None)
    caps = user.capabilities if user is not None and user.is_authenticated else frozenset()
    return {"caps": caps, "Cap": Cap}
