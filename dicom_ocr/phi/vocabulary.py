"""Technical text burned in by scanners (ultrasound, CT, MR, X-ray): words and value shapes that identify nobody."""

from __future__ import annotations

import re

_WORDS = """
mi ti tis tib tic tis0 tib0 gen gain comp dyn dr res pen frq freq frame frames fps hz khz mhz db bpm hr depth zoom
focus prf wf filter flt persist persistence pwr power har harm thi nthi color colour cf pw cw pd doppler mode 2d 3d 4d
b m angle vel velocity scale baseline sample vol sv dist distance area length width height trace auto flow peak ri pi
sd ed ps vmax vmin vmean pg mg tamax tamean vti hrt rate cm mm m s ms sec min kv kvp ma mas kev hu deg mgy msv ctdi
ctdivol dlp thyroid liver kidney renal pancreas breast abdomen abdom abd chest pelvis pelvic heart cardiac carotid
bladder uterus ovary ovaries prostate spleen gallbladder gb cbd aorta head neck brain spine knee shoulder hip ankle
wrist elbow hand foot leg arm thigh calf femoral popliteal jugular vein artery venous arterial vascular testis testes
scrotum thorax lung lungs rib ribs skull sinus orbit orbits cervical thoracic lumbar sacrum coccyx fetal fetus ob gyn
echo tte tee apical apex parasternal subcostal lax sax plax psax a4c a2c a3c lv rv la ra mv av tv ivc svc ivs lvpw
trans tr long sag sagittal axial coronal transverse transv oblique obl left right lt rt upper lower mid lateral lat
medial anterior ant posterior post superior sup inferior inf prox proximal distal cranial caudal ap pa portable upright
semi erect supine prone decubitus decub standing sitting marker grid bucky grid erect cassette exposure exp ei di dap
w l c ww wl wc window level tilt thk thickness idx loc slice slices gantry pitch rot rotation scan scanned spiral
helical contrast cont no yes fov dfov sfov matrix kernel recon image images img series se im ser ima acq mag
tr te ti fa et nex nsa avg avgs flip echo etl tse fse gre epi dwi adc flair stir t1 t2 t2w t1w pdw fat sat fs water
bw bandwidth mpr mip mra tof pc swi dti bold perf spgr fiesta vibe haste trufisp trufi space cube post pre gd gad
dual energy mono monochromatic kev spectral topogram scout surview localizer locator tomo tomoscan cor loc survey
ge philips siemens toshiba canon hitachi aloka samsung medison esaote mindray sonosite acuson medical systems atl
fujifilm fuji carestream kodak agfa hologic konica minolta shimadzu healthcare healthineers ultrasound sonography
epiq affiniti logiq voluson vivid iu22 hd11 hd15 s2000 sequoia acuson aplio xario lightspeed optima revolution
somatom definition sensation emotion force drive avanto skyra prisma aera verio trio signa discovery brivo ingenia
achieva intera vereos biograph selenia dimensions
general adv advanced superficial small parts msk musculoskeletal vascular abdominal obstetric gyne pediatric peds
res speed sp hd rs st map mapd mape dtce dtcem dtch dtcl cpa crs ccd sri xbeam xres sonoct icon flash speckle
smooth sharp soft tissue bone lung std standard detail edge enhance enhanced lut gamma invert inverted neg pos
view views side page of scale bar ruler cal caliper measure measurement meas calc report summary left right
biopsy guide needle line lines target roi region zone lesion mass cyst nodule node lymph lobe isthmus upper
pole poles cortex cortical parenchyma hilum hilar duct ducts wall walls tip tips
on off hi lo high low med medium norm normal max maximum mini minimum avg mean total sum full half
lvo lvot rvot mpa pv pa svc ivc hv pv portal hepatic splenic celiac sma ima
ef fs edv esv sv co ci hr
rec record stop run live freeze frz cine clip loop store print save
xv prc prs pst frozen ecg ekg resp trig rao lao cra cau spinal
opt col card cri proc xmit cran caud ibeam iclear surface store progress in uncompressed compressed rgb tra algor
follicle endometrium epicardiac
f h a p r i u d z n e v
""".split()

TECH_WORDS = frozenset(_WORDS)

_UNIT = (r"(?:cm|mm|m|um|µm|s|ms|sec|min|hz|khz|mhz|db|bpm|hr|fps|kv|kvp|ma|mas|kev|hu|deg|°|mgy|msv|cgy|gy|"
         r"cm/s|mm/s|m/s|cm2|mm2|cm3|ml|mmhg|x|%|mgy\*cm|mgycm|s/cm|f|g|p|dr|cc|mgy·cm)")
_VALUE = re.compile(
    rf"^(?:[-+x±]?\d*[.,]?\d+{_UNIT}?|\d+(?:/\d+)+|[-+]?\d+(?:[.,]\d+)?[-/:][-+]?\d+(?:[.,]\d+)?{_UNIT}?"
    rf"|[a-z]{{1,4}}[-+]?\d+(?:[.,]\d+)?{_UNIT}?|{_UNIT}|x\d+(?:\.\d+)?)$", re.I)
# Probe and preset names: C5-1, L12-5, 6L3, 4V1c-S, 3C-RS, 12L-RS, eL18-4, P4-2, ML6-15-D, 9L4.
_PROBE = re.compile(r"^[a-z]{0,3}\d{1,2}[a-z]{1,3}\d{0,2}[a-z]?(?:-[a-z0-9]{1,4}){0,2}$"
                    r"|^[a-z]{1,3}\d{1,2}-\d{1,2}[a-z]{0,2}(?:-[a-z0-9]{1,3})?$", re.I)
_SPLIT = re.compile(r"[\s,;=:()\[\]{}<>\"'`~*+#|\\_—–]+")
_GLUED = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")   # words OCR ran together: HGen, PMed
_EDGE = re.compile(r"^[^\w%°µ]+|[^\w%°µ]+$")


def _technical_token(token: str) -> bool:
    token = _EDGE.sub("", token)
    if not token:
        return True
    if token.lower() in TECH_WORDS:
        return True
    if len(token) <= 2 and token.isalpha():
        return True  # orientation letters, mode letters and OCR crumbs of artwork
    if re.search(r"\d{5,}", token):
        return False  # ID-like digit runs are never technical
    if any(_VALUE.match(t) or _PROBE.match(t) for t in (token, re.sub(r"(?<=\d)[Oo]|[Oo](?=[.,]?\d)", "0", token))):
        return True
    parts = [p for p in re.split(r"[-/.]", token) if p]
    if len(parts) > 1:
        return all(_technical_token(p) for p in parts)
    glued = [p for p in _GLUED.split(token) if p]
    return len(glued) > 1 and all(_technical_token(p) for p in glued)


def is_technical(text: str) -> bool:
    """True when every token of ``text`` is a technical word, a value with a unit, a probe name or punctuation."""
    tokens = [t for t in _SPLIT.split(text) if t]
    return all(_technical_token(t) for t in tokens) and any(re.search(r"\w", t) for t in tokens)
