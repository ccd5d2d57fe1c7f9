from django.shortcuts import render

from nara.core.access import public

from .models import Process


@public
def home(request):
    processes = Process.objects.filter(published=True).select_related("unit")[:50]
    return render(request, "participation/home.html", {"processes": processes})
