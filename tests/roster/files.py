# ruff: noqa: E501 - the CSV files are written out as a SIS exports them, one row a line
"""OneRoster CSV file sets for the tests, written from the binding's column tables.

``district(version)`` is a small district in the shape a SIS exports: Oak Valley, two
schools, a school year with two semesters, three courses, four classes, two teachers, a
principal, five students, two guardians and their enrollments and demographics. Each file
keeps its header in the binding's column order. Quirks that real exports have are
switched on by the tests: a byte-order mark, CRLF line ends, quoted commas, empty optional
columns, extra columns, and mixed 1.1/1.2 file sets.
"""

from __future__ import annotations

import io
import zipfile

MODIFIED = "2025-08-01T12:00:00.000Z"

ORGS = """sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
org-ov,,,Oak Valley Unified,district,OVU,
org-ovh,,,"Oak Valley High School, Main Campus",school,OVHS,org-ov
org-ovm,,,Oak Valley Middle School,school,OVMS,org-ov
org-state,,,State Education Agency,state,,
"""

SESSIONS = """sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear
as-2026,,,2025-2026,schoolYear,2025-08-15,2026-06-10,,2026
as-fall,,,Fall 2025,semester,2025-08-15,2025-12-19,as-2026,2026
as-spring,,,Spring 2026,semester,2026-01-05,2026-06-10,as-2026,2026
"""

COURSES = """sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes
c-alg,,,as-2026,Algebra I,ALG1,"09,10",org-ov,Mathematics,
c-bio,,,as-2026,Biology,BIO,09,org-ov,Science,
c-m7,,,as-2026,Math 7,M7,07,org-ov,Mathematics,
"""

CLASSES = """sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods
cl-alg-1,,,"Algebra I, Period 1",09,c-alg,ALG1-1,scheduled,Room 101,org-ovh,as-fall,Mathematics,,1
cl-alg-2,,,"Algebra I, Period 2",09,c-alg,ALG1-2,scheduled,Room 101,org-ovh,"as-fall,as-spring",Mathematics,,2
cl-bio-1,,,Biology 1,09,c-bio,BIO-1,scheduled,Lab,org-ovh,as-2026,Science,,3
cl-m7-1,,,Math 7 A,07,c-m7,M7-1,homeroom,,org-ovm,as-fall,,,
"""

USERS_11 = """sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password
u-t1,,,true,org-ovh,teacher,okafor,,Grace,Okafor,,T001,okafor@oakvalley.example,,,,,
u-t2,,,true,"org-ovh,org-ovm",teacher,lindqvist,,Erik,Lindqvist,,T002,lindqvist@oakvalley.example,,,,,
u-p1,,,true,org-ovh,administrator,osei,,Ama,Osei,,A001,osei@oakvalley.example,,,,,
u-s1,,,true,org-ovh,student,s.alvarez,,Sofía,Álvarez,,S1001,,,,u-g1,09,
u-s2,,,true,org-ovh,student,s.bui,,Minh,Bui,,S1002,,,,,09,
u-s3,,,true,org-ovh,student,s.cohen,,Noa,Cohen,,S1003,,,,u-g2,10,
u-s4,,,true,org-ovm,student,s.diallo,,Awa,Diallo,,S2001,,,,,07,
u-s5,,,false,org-ovm,student,s.evans,,Tom,Evans,,S2002,,,,,07,
u-g1,,,true,org-ovh,parent,p.alvarez,,Lucía,Álvarez,,,lucia@example.org,,,u-s1,,
u-g2,,,true,org-ovh,guardian,g.cohen,,Dan,Cohen,,,,,,,,
"""

USERS_12 = """sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrg,pronouns
u-t1,,,true,okafor,,Grace,Okafor,,T001,okafor@oakvalley.example,,,,,,,,,,,org-ovh,she/her
u-t2,,,true,lindqvist,,Erik,Lindqvist,,T002,lindqvist@oakvalley.example,,,,,,,,,,,org-ovh,
u-p1,,,true,osei,,Ama,Osei,,A001,osei@oakvalley.example,,,,,,,,,,,org-ovh,
u-s1,,,true,s.alvarez,,Sofía,Álvarez,,S1001,,,,u-g1,09,,,,Sofi,,,org-ovh,
u-s2,,,true,s.bui,,Minh,Bui,,S1002,,,,,09,,,,,,,org-ovh,
u-s3,,,true,s.cohen,,Noa,Cohen,,S1003,,,,u-g2,10,,,,,,,org-ovh,
u-s4,,,true,s.diallo,,Awa,Diallo,,S2001,,,,,07,,,,,,,org-ovm,
u-s5,,,false,s.evans,,Tom,Evans,,S2002,,,,,07,,,,,,,org-ovm,
u-g1,,,true,p.alvarez,,Lucía,Álvarez,,,lucia@example.org,,,u-s1,,,,,,,,,
u-g2,,,true,g.cohen,,Dan,Cohen,,,,,,,,,,,,,,,
"""

ROLES_12 = """sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId
r-t1,,,u-t1,primary,teacher,2025-08-15,,org-ovh,
r-t2a,,,u-t2,primary,teacher,2025-08-15,,org-ovh,
r-t2b,,,u-t2,secondary,teacher,2025-08-15,,org-ovm,
r-p1,,,u-p1,primary,principal,2025-07-01,,org-ovh,
r-s1,,,u-s1,primary,student,,,org-ovh,
r-s2,,,u-s2,primary,student,,,org-ovh,
r-s3,,,u-s3,primary,student,,,org-ovh,
r-s4,,,u-s4,primary,student,,,org-ovm,
r-s5,,,u-s5,primary,student,,,org-ovm,
r-g1,,,u-g1,primary,parent,,,org-ovh,
r-g2,,,u-g2,primary,guardian,,,org-ovh,
"""

USER_PROFILES_12 = """sourcedId,status,dateLastModified,userSourcedId,profileType,vendorId,applicationId,description,credentialType,username,password
up-1,,,u-s1,reading-app,vendor-1,app-1,Reading app,username,salvarez,
"""

ENROLLMENTS = """sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
e-1,,,cl-alg-1,org-ovh,u-t1,teacher,true,,
e-2,,,cl-alg-1,org-ovh,u-s1,student,false,,
e-3,,,cl-alg-1,org-ovh,u-s2,student,false,2025-08-20,
e-4,,,cl-alg-2,org-ovh,u-t2,teacher,true,,
e-5,,,cl-alg-2,org-ovh,u-s3,student,false,,
e-6,,,cl-bio-1,org-ovh,u-t1,teacher,true,,
e-7,,,cl-bio-1,org-ovh,u-s1,student,false,,
e-8,,,cl-bio-1,org-ovh,u-s3,student,false,,2026-01-31
e-9,,,cl-m7-1,org-ovm,u-t2,teacher,true,,
e-10,,,cl-m7-1,org-ovm,u-s4,student,false,,
e-11,,,cl-m7-1,org-ovm,u-s5,student,false,,
e-12,,,cl-alg-1,org-ovh,u-p1,administrator,false,,
"""

DEMOGRAPHICS = """sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus
u-s1,,,2010-04-02,female,false,false,false,false,true,false,true,US,CA,,
u-s2,,,2010-09-17,male,false,true,false,false,false,false,false,,,,
u-s3,,,2009-12-01,female,false,false,true,false,true,true,false,,,,
u-s4,,,2012-02-29,male,,,,,,,,,,,
u-s5,,,2012-06-30,,false,false,false,false,false,false,false,,,,
"""


def manifest(version: str, modes: dict[str, str]) -> str:
    lines = ["propertyName,value", "manifest.version,1.0", f"oneroster.version,{version}"]
    names = [
        "academicSessions",
        "categories",
        "classes",
        "classResources",
        "courses",
        "courseResources",
        "demographics",
        "enrollments",
        "lineItems",
        "orgs",
        "resources",
        "results",
        "users",
    ]
    if version == "1.2":
        names += ["roles", "userProfiles"]
    for name in sorted(set(names) | set(modes)):
        lines.append(f"file.{name},{modes.get(name, 'absent')}")
    lines += ["source.systemName,Oak Valley SIS", "source.systemCode,OVSIS"]
    return "\n".join(lines) + "\n"


def district(version: str = "1.1", *, crlf: bool = False, bom: bool = False) -> dict[str, bytes]:
    """The whole district, every file in bulk."""
    texts = {
        "orgs": ORGS,
        "academicSessions": SESSIONS,
        "courses": COURSES,
        "classes": CLASSES,
        "users": USERS_12 if version == "1.2" else USERS_11,
        "enrollments": ENROLLMENTS,
        "demographics": DEMOGRAPHICS,
    }
    if version == "1.2":
        texts["roles"] = ROLES_12
        texts["userProfiles"] = USER_PROFILES_12
    files = {"manifest.csv": manifest(version, dict.fromkeys(texts, "bulk"))}
    files.update({f"{name}.csv": text for name, text in texts.items()})
    return encode(files, crlf=crlf, bom=bom)


def encode(files: dict[str, str], *, crlf: bool = False, bom: bool = False) -> dict[str, bytes]:
    out = {}
    for name, text in files.items():
        if crlf:
            text = text.replace("\n", "\r\n")
        data = text.encode("utf-8")
        out[name] = (b"\xef\xbb\xbf" + data) if bom else data
    return out


def delta(version: str, texts: dict[str, str]) -> dict[str, bytes]:
    files = {"manifest.csv": manifest(version, dict.fromkeys(texts, "delta"))}
    files.update({f"{name}.csv": text for name, text in texts.items()})
    return encode(files)


def zipped(files: dict[str, bytes], folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(folder + name, data)
    return buffer.getvalue()


def replace(files: dict[str, bytes], name: str, old: str, new: str) -> dict[str, bytes]:
    text = files[name].decode("utf-8")
    assert old in text, old
    return {**files, name: text.replace(old, new, 1).encode("utf-8")}
