import VecService
print("vecd")
