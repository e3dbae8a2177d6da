"""Verifiable credentials: Open Badges 3.0 and CLR 2.0 building, Data Integrity
(``eddsa-rdfc-2022``) and VC-JWT signing, did:key and did:web, Bitstring Status List, baked
badges, and verification with a plain-language verdict. Pure: no Django, nothing fetched."""
