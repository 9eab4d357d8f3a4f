"""Memory of a large segment: a 100,000-value IN segment used by 50 flags in 3
environments (150 strategies), created through the admin API against
`flagstaff serve` on a fresh SQLite file; prints RSS, database size and one
switch's latency (the segment-values limit is raised to 100,000 for it).
Run with the venv scripts/test makes (it has `requests`):

    .venv/bin/python scripts/bench-segment-memory.py target/release/flagstaff 4401
"""
import requests, sys, time, subprocess, os, tempfile
binary=sys.argv[1]; port=sys.argv[2]
d=tempfile.mkdtemp(); db=os.path.join(d,'s.db')
A='*:*.seg-admin-0123456789abcdef0123456789'
p=subprocess.Popen([binary,'serve','--port',port,'--host','127.0.0.1','--database-url',db],env={**os.environ,'INIT_ADMIN_API_TOKENS':A,'BODY_LIMIT':str(8*1024*1024),'MAX_SEGMENT_VALUES':'100000','RUST_LOG':'warn'},stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
time.sleep(1.5)
s=requests.Session(); H={'Authorization':A}; B=f'http://127.0.0.1:{port}'
s.post(B+'/api/admin/environments',json={'name':'staging','type':'test'},headers=H)
s.post(B+'/api/admin/projects/default/environments',json={'environment':'staging'},headers=H)
r=s.post(B+'/api/admin/segments',json={'name':'big','constraints':[{'contextName':'userId','operator':'IN','values':[f'user-{i:06}' for i in range(100000)]}]},headers=H)
sid=r.json()['id']
for i in range(50):
    n=f'seg-flag-{i}'
    s.post(B+'/api/admin/projects/default/features',json={'name':n},headers=H)
    for e in ['development','production','staging']:
        s.post(B+f'/api/admin/projects/default/features/{n}/environments/{e}/strategies',json={'name':'default','segments':[sid]},headers=H)
t=time.perf_counter(); s.post(B+'/api/admin/projects/default/features/seg-flag-0/environments/development/on',headers=H); w=(time.perf_counter()-t)*1000
rss=int([l for l in open(f'/proc/{p.pid}/status') if l.startswith('VmRSS')][0].split()[1])//1024
size=sum(os.path.getsize(os.path.join(d,f)) for f in os.listdir(d))//1024//1024
print(f"{os.path.basename(binary)}: RSS {rss} MB, database {size} MB (with WAL), one switch after {w:.1f} ms")
p.terminate(); p.wait()
