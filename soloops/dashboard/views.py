from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from soloops.automation.selectors import events_list


@login_required
def home(request):
    return render(request, "dashboard/home.html", {"events": events_list(limit=20)})
