#!/usr/bin/env python3
"""A screenshot of the status board's overview in Debian's headless Chromium, for docs/pages/.
    .venv/bin/python scripts/screenshot-site.py output/site/index.html docs/pages/site-overview.png
"""
import sys
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

page, png = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
o = webdriver.ChromeOptions()
o.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"):
    o.add_argument(a)
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
try:
    d.get(page.as_uri())
    d.save_screenshot(str(png))
finally:
    d.quit()
print(png)
