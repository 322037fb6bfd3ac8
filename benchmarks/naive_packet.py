# Copied verbatim on 2026-12-06 from the workplace's shared baselines (baselines/naive_packet.py beside the project, outside this repository); only this line is added.
# The naive packet: one WeasyPrint document holding the whole roster and every testimony, rendered at once.
# Usage: python naive_packet.py SIGNATURES TESTIMONIES. The baseline that packet speed targets are measured against, in the same run.
import sys, time, random, resource
from weasyprint import HTML
n_sig = int(sys.argv[1]); n_test = int(sys.argv[2])
random.seed(1)
first = ["Maria","Jose","Ana","Luis","Karla","Adan","Juana","Erika","Cristobal","Pilar","John","Keisha"]
last = ["Serna","Rojas","Valencia","Aparicio","Tlatlenco","Molina","Smith","Nguyen","Garcia","Lopez"]
rows = "".join(f"<tr><td>{i+1}</td><td>{random.choice(first)} {random.choice(last)}</td><td>191{random.randint(0,54):02d}</td><td>{random.randint(1,10)}</td><td>2026-0{random.randint(1,9)}-1{random.randint(0,9)}</td></tr>" for i in range(n_sig))
lorem = "The fear of deportation has created a significant barrier between the Police Department and immigrant communities. " * 6
tests = "".join(f"<section class=t><h2>Testimony {i+1}: {random.choice(first)} {random.choice(last)}</h2><p class=meta>District {random.randint(1,10)} · Oppose</p>" + "".join(f"<p>{lorem}</p>" for _ in range(3)) + "</section>" for i in range(n_test))
html = f"""<html><head><style>
@page {{ size: letter; margin: 2cm; @bottom-center {{ content: "Page " counter(page) " of " counter(pages); font-size:9pt }} }}
body {{ font-family: DejaVu Sans; font-size: 10pt }}
table {{ width:100%; border-collapse: collapse }} td {{ border-bottom: 0.5pt solid #ccc; padding: 2pt }}
section.t {{ break-before: page }}
</style></head><body><h1>Testimony packet</h1><table><thead><tr><th>#</th><th>Name</th><th>ZIP</th><th>District</th><th>Date</th></tr></thead><tbody>{rows}</tbody></table>{tests}</body></html>"""
t=time.time()
doc = HTML(string=html).render()
t1=time.time()
import tempfile, os
out = os.path.join(tempfile.mkdtemp(), "naive.pdf")
doc.write_pdf(out)
os.remove(out)
t2=time.time()
print(f"sig={n_sig} test={n_test} pages={len(doc.pages)} layout={t1-t:.1f}s write={t2-t1:.1f}s maxrss={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024:.0f}MB")
