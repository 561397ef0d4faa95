import time
from .conftest import sign_in
def test_debug(page, stage):
    sign_in(page)
    for role in ("xss", "line", "xss"):
        t0 = time.perf_counter()
        page.goto(f"/tasks/{stage.task_id(role)}")
        page.wait_for_selector("body[data-ready='1']")
        total = time.perf_counter() - t0
        print(role, round(total, 3), page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0]; const r = performance.getEntriesByType('resource').map(e => [e.name.split('/').slice(-1)[0], Math.round(e.requestStart), Math.round(e.responseStart - e.requestStart), Math.round(e.responseEnd - e.responseStart), e.transferSize]); return [Math.round(n.responseStart - n.requestStart), Math.round(n.domContentLoadedEventEnd), r]; }"""))
    t0 = time.perf_counter()
    r = page.request.post("/api/next", data="{}", headers={"Content-Type": "application/json", "X-CSRF-Token": page.get_attribute("body", "data-csrf")})
    print("next", round(time.perf_counter() - t0, 3))
