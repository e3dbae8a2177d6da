from proficio.pace.models import StudentPace, SupportFlag


def test_world_has_pace(world):
    ben = StudentPace.objects.get(student=world.ben, competency__isnull=True)
    ana = StudentPace.objects.get(student=world.ana, competency__isnull=True)
    print(ben.status, ben.stalled, ana.status, ana.growth_per_year)
    print(list(SupportFlag.objects.values_list("student_id", "reason")))
    assert ben.status == "behind"
