import time
from base64 import b32decode

from django.core.management.base import BaseCommand
from django_otp.oath import TOTP

from jigai.demo.loader import demo_totp_secret


class Command(BaseCommand):
    help = "Print the current second-factor code of the privileged demo accounts."

    def handle(self, *args, **options):
        totp = TOTP(b32decode(demo_totp_secret()))
        totp.time = time.time()
        left = 30 - int(totp.time) % 30
        self.stdout.write(f"{totp.token():06d}  (valid for {left} s more, once per account)")
