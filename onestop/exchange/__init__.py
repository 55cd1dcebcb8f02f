"""Inter-agency exchange (liên thông văn bản): edXML packages (QCVN 102:2016/BTTTT, amended by
Circular 01/2022/TT-BTTTT) built, parsed and checked against kyso's own schema of the
structure (schemas/kyso-edxml.xsd), status messages and their trail, and the MAC that
authenticates a peer agency's request. No HTTP, SQL or settings here: ``api/exchange*`` adapts."""
