"""Organizations and people: state → district → school, years, courses, sections, students."""
