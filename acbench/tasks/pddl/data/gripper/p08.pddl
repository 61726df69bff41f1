(define (problem gripper-p08)
  (:domain gripper)
  (:objects kitchen hall - room ball1 ball2 ball3 - ball left right - gripper)
  (:init
    (at-robot hall)
    (free left)
    (free right)
    (at ball1 kitchen)
    (at ball2 hall)
    (at ball3 hall))
  (:goal
    (and
      (at ball1 hall)
      (at ball2 kitchen)
      (at ball3 kitchen))))
